// Registers task-api with functions-framework (`functions-framework --target=task-api`, Knative func).
import { http } from '@google-cloud/functions-framework';
import { requestListener } from '@nudge/core';
import { app } from './instance.ts';

http('task-api', requestListener(app));
