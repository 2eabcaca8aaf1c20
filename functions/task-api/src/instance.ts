// task-api as one process holds it: config, dependencies and the app, built once. index.ts
// registers the app with functions-framework; main.ts serves it (images, `npm start`).
import { createFunctionDeps } from '@nudge/core';
import { createTaskApi } from './app.ts';
import { loadConfig } from './config.ts';
import { createDeps } from './deps.ts';

export const config = loadConfig();
export const shared = createFunctionDeps('task-api', config, { dbMax: 10 });
export const deps = createDeps(config, shared);
export const app = createTaskApi(deps);
