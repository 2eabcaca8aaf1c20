import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric Nudge exports, in one registry per process. Alert rules and dashboards under
 * `monitoring/` name these; a test checks that they exist here.
 */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });

  const metrics = {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    taskOperations: new Counter({
      name: 'task_operations_total',
      help: 'Task mutations and reads by operation',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
    eventsPublished: new Counter({
      name: 'events_published_total',
      help: 'Events accepted by the Dapr sidecar, by topic and type',
      labelNames: ['topic', 'type'] as const,
      registers: [registry],
    }),
    eventPublishFailures: new Counter({
      name: 'event_publish_failures_total',
      help: 'Publish attempts the sidecar refused or that failed to reach it',
      labelNames: ['topic'] as const,
      registers: [registry],
    }),
    outboxPending: new Gauge({
      name: 'outbox_pending_events',
      help: 'Events committed but not yet published',
      registers: [registry],
    }),
    outboxOldestAge: new Gauge({
      name: 'outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest unpublished event',
      registers: [registry],
    }),
    eventsProcessed: new Counter({
      name: 'events_processed_total',
      help: 'Events handled by a subscriber, by delivery answer (success, retry, drop)',
      labelNames: ['consumer', 'type', 'outcome'] as const,
      registers: [registry],
    }),
    eventsDeadLettered: new Counter({
      name: 'events_dead_lettered_total',
      help: 'Events answered DROP so Dapr moves them to the dead-letter topic',
      labelNames: ['consumer', 'reason'] as const,
      registers: [registry],
    }),
    remindersDispatched: new Counter({
      name: 'reminders_dispatched_total',
      help: 'reminder.due events written by cron-scan',
      registers: [registry],
    }),
    remindersSent: new Counter({
      name: 'reminders_sent_total',
      help: 'Reminder emails accepted by the SMTP server',
      registers: [registry],
    }),
    remindersFailed: new Counter({
      name: 'reminders_failed_total',
      help: 'Reminders marked failed after a permanent SMTP rejection',
      registers: [registry],
    }),
    reminderDeliveryLatency: new Histogram({
      name: 'reminder_delivery_latency_seconds',
      help: 'sent_at minus remind_at for each reminder email',
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 45, 60, 120, 300],
      registers: [registry],
    }),
    nextOccurrencesCreated: new Counter({
      name: 'next_occurrences_created_total',
      help: 'Next occurrences of recurring tasks created by on-task-completed',
      registers: [registry],
    }),
    cronScanDuration: new Histogram({
      name: 'cron_scan_duration_seconds',
      help: 'Duration of one cron-scan run (claim and relay)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
