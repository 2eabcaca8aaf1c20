import {
  completeTask,
  createTask,
  createTaskSchema,
  deleteTask,
  getTask,
  listQuerySchema,
  listTasks,
  parseOrThrow,
  patchTaskSchema,
  reopenTask,
  updateTask,
} from '@nudge/core';
import type { Route } from './route.ts';

/** CRUD, complete and reopen, and the list. */
export const taskRoutes: Route[] = [
  {
    method: 'post',
    path: '/api/tasks',
    operation: 'create',
    mutates: true,
    async handle({ user, body, now }, { db }) {
      return { status: 201, json: await createTask(db, user.sub, parseOrThrow(createTaskSchema, body), now) };
    },
  },
  {
    method: 'get',
    path: '/api/tasks',
    operation: 'list',
    mutates: false,
    async handle({ user, query }, { db }) {
      return { status: 200, json: await listTasks(db, user.sub, parseOrThrow(listQuerySchema, query)) };
    },
  },
  {
    method: 'get',
    path: '/api/tasks/:id',
    operation: 'get',
    mutates: false,
    async handle({ user, params }, { db }) {
      return { status: 200, json: await getTask(db, user.sub, params.id!) };
    },
  },
  {
    method: 'patch',
    path: '/api/tasks/:id',
    operation: 'update',
    mutates: true,
    async handle({ user, params, body, now }, { db }) {
      const patch = parseOrThrow(patchTaskSchema, body);
      return { status: 200, json: await updateTask(db, user.sub, params.id!, patch, now) };
    },
  },
  {
    method: 'delete',
    path: '/api/tasks/:id',
    operation: 'delete',
    mutates: true,
    async handle({ user, params, now }, { db }) {
      await deleteTask(db, user.sub, params.id!, now);
      return { status: 204 };
    },
  },
  {
    method: 'post',
    path: '/api/tasks/:id/complete',
    operation: 'complete',
    mutates: true,
    async handle({ user, params, now }, { db }) {
      return { status: 200, json: await completeTask(db, user.sub, params.id!, now) };
    },
  },
  {
    method: 'post',
    path: '/api/tasks/:id/reopen',
    operation: 'reopen',
    mutates: true,
    async handle({ user, params, now }, { db }) {
      return { status: 200, json: await reopenTask(db, user.sub, params.id!, now) };
    },
  },
];
