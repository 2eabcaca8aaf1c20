// Entry point: builds the dependencies once and registers the handler with functions-framework
// (`functions-framework --target=task-api`, or Knative func's Node builder).
import { http } from '@google-cloud/functions-framework';
import { createTaskApi } from './app.ts';
import { loadConfig } from './config.ts';
import { createDeps } from './deps.ts';

http('task-api', createTaskApi(createDeps(loadConfig())));
