import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTool, type ToolContext } from './tool.ts';
import { getOverview } from './tools/overview.ts';
import { quickAdd } from './tools/quick-add.ts';
import { findTasks, previewRecurrence } from './tools/read.ts';
import {
  addTask,
  completeTaskTool,
  deleteTaskTool,
  reopenTaskTool,
  rescheduleTask,
  updateTaskTool,
} from './tools/tasks.ts';

const instructions = `Nudge manages the user's tasks: due dates, priorities, tags, recurring tasks and email reminders.
Times are RFC 3339 with an offset; pass the user's IANA time zone where a tool asks for one.
Tasks are named by id or by a part of their title; when a title is ambiguous the tool lists candidates to choose from by id.
Completing a recurring task creates its next occurrence as a new task.`;

/**
 * A fresh MCP server for one request, its tools bound to the caller: the SDK's stateless pattern
 * (a server and transport per request), so nothing of one user can reach another's request.
 */
export function createMcpServer(context: ToolContext): McpServer {
  const server = new McpServer({ name: 'nudge', title: 'Nudge', version: '0.1.0' }, { instructions });
  registerTool(server, quickAdd, context);
  registerTool(server, addTask, context);
  registerTool(server, updateTaskTool, context);
  registerTool(server, rescheduleTask, context);
  registerTool(server, completeTaskTool, context);
  registerTool(server, reopenTaskTool, context);
  registerTool(server, deleteTaskTool, context);
  registerTool(server, findTasks, context);
  registerTool(server, getOverview, context);
  registerTool(server, previewRecurrence, context);
  return server;
}
