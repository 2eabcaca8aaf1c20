// Registers on-reminder-due with functions-framework (`functions-framework --target=on-reminder-due`, Knative func).
import { http } from '@google-cloud/functions-framework';
import { requestListener } from '@nudge/core';
import { consumer } from './handler.ts';
import { app } from './instance.ts';

http(consumer, requestListener(app));
