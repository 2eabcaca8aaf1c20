// Registers task-api with functions-framework (`functions-framework --target=task-api`, Knative
// func) and builds its dependencies once. `main.ts` serves it in images and under `npm start`.
import { http } from '@google-cloud/functions-framework';
import { createFunctionDeps } from '@nudge/core';
import { createTaskApi } from './app.ts';
import { loadConfig } from './config.ts';
import { createDeps } from './deps.ts';

export const config = loadConfig();
export const shared = createFunctionDeps('task-api', config, { dbMax: 10 });

http('task-api', createTaskApi(createDeps(config, shared)));
