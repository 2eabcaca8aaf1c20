import {
  createTaskSchema,
  exportDocumentSchema,
  importDocumentSchema,
  listQuerySchema,
  patchTaskSchema,
  quickAddTokenSchema,
  syncQuerySchema,
  taskViewSchema,
} from '@nudge/core';
import { z } from 'zod';
import { parseRequestSchema, quickAddSchema } from './routes/quick-add.ts';
import { previewSchema } from './routes/recurrence.ts';
import { exportQuerySchema } from './routes/transfer.ts';

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
  });
  return rest;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json(ref('Error')) });
const errors = {
  400: error('validation_failed: malformed JSON, wrong types, unknown zone, invalid RRULE, …'),
  401: error('unauthorized: missing, malformed, wrongly signed or expired token, wrong iss/aud'),
  413: error('payload_too_large: body over 64 KiB'),
  415: error('unsupported_media_type: body is not application/json'),
  429: error('rate_limited: too many requests for this user; see Retry-After'),
  500: error('internal'),
};
const notFound = { 404: error('not_found: no such task for this user') };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

function queryParams(schema: z.ZodObject) {
  const { properties = {}, required = [] } = jsonSchema(schema, 'input') as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    schema: property,
  }));
}

/** The OpenAPI 3.1 description, generated from the same zod schemas that validate requests. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Nudge task API', version: '1.0.0' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        ticket: {
          type: 'apiKey',
          in: 'query',
          name: 'ticket',
          description: 'POST /api/stream/ticket; stream only',
        },
      },
      schemas: {
        Task: jsonSchema(taskViewSchema, 'output'),
        CreateTask: jsonSchema(createTaskSchema, 'input'),
        PatchTask: jsonSchema(patchTaskSchema, 'input'),
        Export: jsonSchema(exportDocumentSchema, 'output'),
        Import: jsonSchema(importDocumentSchema, 'input'),
        RecurrencePreview: jsonSchema(previewSchema, 'input'),
        QuickAddParse: jsonSchema(parseRequestSchema, 'input'),
        QuickAdd: jsonSchema(quickAddSchema, 'input'),
        QuickAddToken: jsonSchema(quickAddTokenSchema, 'output'),
        SyncSnapshot: {
          type: 'object',
          required: ['tasks', 'cursor', 'next_page'],
          properties: {
            tasks: { type: 'array', items: ref('Task') },
            cursor: { type: 'string' },
            next_page: { type: ['string', 'null'] },
          },
        },
        SyncChanges: {
          type: 'object',
          required: ['changes', 'cursor', 'has_more'],
          properties: {
            changes: {
              type: 'array',
              items: {
                oneOf: [
                  { type: 'object', required: ['task'], properties: { task: ref('Task') } },
                  {
                    type: 'object',
                    required: ['deleted'],
                    properties: { deleted: { type: 'string', format: 'uuid' } },
                  },
                ],
              },
            },
            cursor: { type: 'string' },
            has_more: { type: 'boolean' },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { path: { type: 'string' }, message: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/tasks': {
        post: {
          summary: 'Create a task',
          requestBody: { required: true, content: json(ref('CreateTask')) },
          responses: { 201: { description: 'created', content: json(ref('Task')) }, ...errors },
        },
        get: {
          summary: 'List tasks (keyset pagination)',
          parameters: queryParams(listQuerySchema),
          responses: {
            200: {
              description: 'one page',
              content: json({
                type: 'object',
                properties: {
                  items: { type: 'array', items: ref('Task') },
                  next_cursor: { type: ['string', 'null'] },
                },
              }),
            },
            ...errors,
          },
        },
      },
      '/api/tasks/{id}': {
        parameters: [idParam],
        get: {
          summary: 'Get a task',
          responses: { 200: { description: 'the task', content: json(ref('Task')) }, ...notFound, ...errors },
        },
        patch: {
          summary: 'Change any writable field; reminders replaces the set',
          requestBody: { required: true, content: json(ref('PatchTask')) },
          responses: { 200: { description: 'the task', content: json(ref('Task')) }, ...notFound, ...errors },
        },
        delete: {
          summary: 'Delete a task',
          responses: { 204: { description: 'deleted' }, ...notFound, ...errors },
        },
      },
      '/api/tasks/{id}/complete': {
        parameters: [idParam],
        post: {
          summary: 'Complete a task (idempotent)',
          responses: { 200: { description: 'the task', content: json(ref('Task')) }, ...notFound, ...errors },
        },
      },
      '/api/tasks/{id}/reopen': {
        parameters: [idParam],
        post: {
          summary: 'Reopen a completed task',
          responses: { 200: { description: 'the task', content: json(ref('Task')) }, ...notFound, ...errors },
        },
      },
      '/api/tasks/export': {
        get: {
          summary: 'Export every task as JSON or iCalendar',
          parameters: queryParams(exportQuerySchema),
          responses: {
            200: {
              description: 'the export',
              content: { ...json(ref('Export')), 'text/calendar': { schema: { type: 'string' } } },
            },
            ...errors,
          },
        },
      },
      '/api/tasks/import': {
        post: {
          summary:
            'Import a JSON export or an iCalendar file (VTODOs, keyed by UID); tasks already present are skipped',
          requestBody: {
            required: true,
            content: { ...json(ref('Import')), 'text/calendar': { schema: { type: 'string' } } },
          },
          responses: {
            200: {
              description: 'tasks created',
              content: json({ type: 'object', properties: { imported: { type: 'integer' } } }),
            },
            409: error('conflict: a concurrent import of the same tasks'),
            ...errors,
          },
        },
      },
      '/api/tasks/parse': {
        post: {
          summary: 'Read a quick-add line into a task draft and its chips; writes nothing',
          description:
            '`draft` is a body POST /api/tasks accepts: title and timezone always, due_at, recurrence, priority, ' +
            'tags and reminders when recognised. Each token has UTF-16 offsets into `text` (end exclusive). ' +
            '`now` (default: the server clock) is when the text was typed.',
          requestBody: { required: true, content: json(ref('QuickAddParse')) },
          responses: {
            200: {
              description: 'the draft and the recognised phrases',
              content: json({
                type: 'object',
                required: ['draft', 'tokens'],
                properties: {
                  draft: ref('CreateTask'),
                  tokens: { type: 'array', items: ref('QuickAddToken') },
                },
              }),
            },
            ...errors,
          },
        },
      },
      '/api/tasks/quick': {
        post: {
          summary: 'Quick add: parse a line and create the task it describes (as POST /api/tasks)',
          requestBody: { required: true, content: json(ref('QuickAdd')) },
          responses: { 201: { description: 'created', content: json(ref('Task')) }, ...errors },
        },
      },
      '/api/recurrence/preview': {
        post: {
          summary: 'The first occurrences of a rule in a time zone',
          requestBody: { required: true, content: json(ref('RecurrencePreview')) },
          responses: {
            200: {
              description: 'occurrences',
              content: json({
                type: 'object',
                properties: {
                  occurrences: { type: 'array', items: { type: 'string', format: 'date-time' } },
                },
              }),
            },
            ...errors,
          },
        },
      },
      '/api/sync': {
        get: {
          summary: 'Change feed: a full snapshot without `cursor`, what changed since it with one',
          description:
            'Without `cursor`: the tasks (all statuses) by id, paged with `limit`/`next_page`, and the cursor ' +
            'to continue from once the last page is read. With `cursor`: every task changed since it, in full, ' +
            'and a tombstone per task deleted since it; call again at once while `has_more` is true.',
          parameters: queryParams(syncQuerySchema),
          responses: {
            200: {
              description: 'a snapshot page, or the changes since the cursor',
              content: json({ oneOf: [ref('SyncSnapshot'), ref('SyncChanges')] }),
            },
            410: error('cursor_expired: the cursor is older than the kept tombstones; sync again without it'),
            ...errors,
          },
        },
      },
      '/api/stream/ticket': {
        post: {
          summary: 'A single-use ticket (60 s) that opens one live stream, for EventSource',
          responses: {
            201: {
              description: 'the ticket',
              content: json({
                type: 'object',
                required: ['ticket', 'expires_at'],
                properties: {
                  ticket: { type: 'string' },
                  expires_at: { type: 'string', format: 'date-time' },
                },
              }),
            },
            ...errors,
          },
        },
      },
      '/api/stream': {
        get: {
          summary: 'Live push (Server-Sent Events): `changed` with the new cursor after each commit',
          description:
            'Authenticate with the bearer header or `?ticket=` (from POST /api/stream/ticket). Each commit that ' +
            'changes the user\'s data sends `id: <cursor>`, `event: changed`, `data: {"cursor":…}`; a `: ping` ' +
            'comment every 25 s; the server ends the stream after STREAM_MAX_SECONDS (300). `Last-Event-ID` (or ' +
            '`last_event_id`) with a cursor sends one `changed` event at once if anything changed since.',
          security: [{ bearer: [] }, { ticket: [] }],
          parameters: [
            { name: 'ticket', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'last_event_id', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } },
          ],
          responses: {
            200: {
              description: 'the event stream',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            ...errors,
          },
        },
      },
      '/healthz': { get: { security: [], summary: 'Alive', responses: { 200: { description: 'ok' } } } },
      '/readyz': {
        get: {
          security: [],
          summary: 'Database reachable',
          responses: { 200: { description: 'ready' }, 503: { description: 'database unreachable' } },
        },
      },
      '/metrics': {
        get: {
          security: [],
          summary: 'Prometheus metrics',
          responses: { 200: { description: 'text exposition' } },
        },
      },
    },
  };
}
