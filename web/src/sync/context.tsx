// The app's server state: the synced task list from the query cache, and the actions that change it.
import { useMutation, useQuery } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import type { Api } from '../api/client.ts';
import type { Task, TaskPatch } from '../api/types.ts';
import { userZone } from '../lib/time.ts';
import { type SyncEngine, type TaskMap, tasksKey } from './engine.ts';

export interface AppServices {
  api: Api;
  engine: SyncEngine;
}

export const ServicesContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesContext');
  return services;
}

const empty: TaskMap = new Map();

/** Every task of the user, kept current by the sync engine. */
export function useTasks() {
  const { engine } = useServices();
  const query = useQuery({
    queryKey: tasksKey,
    queryFn: () => engine.snapshot(),
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
  return { ...query, tasks: query.data ?? empty };
}

/** Create, change, complete, reopen, delete: each puts the API's answer into the cache. */
export function useTaskActions() {
  const { api, engine } = useServices();
  const settle = (task: Task) => {
    engine.put(task);
    engine.afterChange();
    return task;
  };
  const quickAdd = useMutation({
    mutationFn: async (text: string) =>
      settle(await api.post<Task>('/api/tasks/quick', { text, timezone: userZone })),
  });
  const update = useMutation({
    mutationFn: async ({ id, patch }: { id: string; patch: TaskPatch }) =>
      settle(await api.patch<Task>(`/api/tasks/${id}`, patch)),
  });
  const complete = useMutation({
    mutationFn: async (id: string) => settle(await api.post<Task>(`/api/tasks/${id}/complete`)),
  });
  const reopen = useMutation({
    mutationFn: async (id: string) => settle(await api.post<Task>(`/api/tasks/${id}/reopen`)),
  });
  const remove = useMutation({
    mutationFn: async (id: string) => {
      await api.delete(`/api/tasks/${id}`);
      engine.remove(id);
      engine.afterChange();
    },
  });
  return { quickAdd, update, complete, reopen, remove };
}
