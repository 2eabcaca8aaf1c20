// on-task-completed as one process holds it: config, dependencies and the app, built once.
// index.ts registers the app with functions-framework; main.ts serves it (images, `npm start`).
import { createFunctionDeps } from '@nudge/core';
import { loadConfig } from './config.ts';
import { consumer, createOnTaskCompleted } from './handler.ts';

export const config = loadConfig();
export const deps = createFunctionDeps(consumer, config);
export const app = createOnTaskCompleted(deps);
