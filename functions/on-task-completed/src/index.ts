// Registers on-task-completed with functions-framework and builds its dependencies once.
// `main.ts` serves it in images and under `npm start`.
import { http } from '@google-cloud/functions-framework';
import { createFunctionDeps } from '@nudge/core';
import { loadConfig } from './config.ts';
import { consumer, createOnTaskCompleted } from './handler.ts';

export const config = loadConfig();
export const deps = createFunctionDeps(consumer, config);

http(consumer, createOnTaskCompleted(deps));
