import { readdirSync, readFileSync } from 'node:fs';
import { createTestDatabase, insertUser, type TestDatabase } from '@nudge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { payloadSchemas } from '../src/events/contracts/index.ts';
import { reminderEventTypes, taskEventTypes } from '../src/events/event-types.ts';
import {
  completeTask,
  createTask,
  createTaskSchema,
  type Db,
  deleteTask,
  type EventType,
  type NudgeCloudEvent,
  reminderDueEvent,
  reopenTask,
  taskRecurrenceEvent,
  updateTask,
} from '../src/index.ts';

const contractsDir = new URL('../src/events/contracts/', import.meta.url);
const docs = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');

/** The catalogue table of docs/events.md: event type → the payload fields it names (backticked). */
function documentedCatalogue(): Map<string, string[]> {
  const section = docs.split(/^## Catalogue$/m)[1]?.split(/^#{2,3} /m)[0] ?? '';
  const rows = section.split('\n').filter((line) => /^\|\s*`[a-z]+\.[a-z]+`/.test(line));
  const catalogue = new Map<string, string[]>();
  for (const line of rows) {
    const cells = line.split('|').map((cell) => cell.trim());
    const type = cells[1]!.replaceAll('`', '');
    // The payload column names its top-level fields in backticks; nested shapes like `{rule, from}` are not fields.
    const payload = cells.at(-2)!;
    const fields = [...payload.matchAll(/`([a-z_]+)`/g)].map((match) => match[1]!);
    expect(catalogue.has(type), `${type} listed twice`).toBe(false);
    catalogue.set(type, fields);
  }
  return catalogue;
}

const eventTypes = [...taskEventTypes, ...reminderEventTypes];
const sorted = (values: Iterable<string>) => [...values].sort();

describe('event contracts', () => {
  it('has exactly one contract module per event type, and docs/events.md documents the same types', () => {
    const modules = readdirSync(contractsDir)
      .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
      .map((file) => file.slice(0, -'.ts'.length));
    expect(sorted(modules)).toEqual(sorted(eventTypes));
    expect(sorted(Object.keys(payloadSchemas))).toEqual(sorted(eventTypes));
    expect(sorted(documentedCatalogue().keys())).toEqual(sorted(eventTypes));
  });

  it.each(eventTypes)('%s: its module exports the registered schema, and one builder', async (type) => {
    const module = (await import(new URL(`${type}.ts`, contractsDir).href)) as Record<string, unknown>;
    const schemas = Object.values(module).filter((value) => value instanceof z.ZodObject);
    expect(schemas).toEqual([payloadSchemas[type]]);
    expect(Object.values(module).filter((value) => typeof value === 'function')).toHaveLength(1);
  });

  it.each(eventTypes)('%s: docs/events.md lists exactly the fields of its payload schema', (type) => {
    const documented = documentedCatalogue().get(type);
    expect(documented).toEqual(Object.keys(payloadSchemas[type].shape));
  });
});

describe('events as producers write them', () => {
  let testDb: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.db;
    await insertUser(db, 'ann');
  });
  afterAll(() => testDb.drop());

  it("every event a task's life writes passes its own contract schema", async () => {
    const now = new Date('2026-11-29T10:00:00.000Z');
    const input = createTaskSchema.parse({
      title: 'Water the plants',
      priority: 'high',
      tags: ['home'],
      due_at: '2026-12-01T09:00:00+01:00',
      timezone: 'Europe/Berlin',
      recurrence: { rule: 'daily' },
      reminders: [{ before: 'PT1H' }],
    });
    const task = await createTask(db, 'ann', input, now);
    await updateTask(db, 'ann', task.id, { due_at: '2026-12-02T09:00:00+01:00' }, now);
    await completeTask(db, 'ann', task.id, now);
    await reopenTask(db, 'ann', task.id, now);
    await deleteTask(db, 'ann', task.id, now);
    const rows = await db.selectFrom('outbox').select('cloud_event').orderBy('id').execute();
    const events = rows.map((row) => row.cloud_event as unknown as NudgeCloudEvent);
    const reminder = { id: task.reminders[0]!.id, task_id: task.id, user_id: 'ann', remind_at: now };
    events.push(
      reminderDueEvent(reminder, now).event,
      taskRecurrenceEvent(
        { userId: 'ann', parentTaskId: task.id, rule: 'RRULE:FREQ=DAILY', taskId: task.id, dueAt: now },
        now,
      ).event as NudgeCloudEvent,
    );

    expect(sorted(new Set(events.map((event) => event.type)))).toEqual(sorted(eventTypes));
    for (const event of events) {
      const schema = payloadSchemas[event.type as EventType];
      expect(schema.safeParse(event.data.payload).error, event.type).toBeUndefined();
      // A producer writes no field its contract does not declare (the schema would strip it silently).
      expect(sorted(Object.keys(event.data.payload))).toEqual(sorted(Object.keys(schema.shape)));
    }
  });
});
