// Preloaded (`node --import`) into every process `npm start` runs. Those processes sit in their own
// process group, so a terminal's Ctrl-C reaches only the launcher, which then stops them in order.
// The price is that they would outlive a launcher killed with SIGKILL: the IPC channel closing
// tells them it is gone, and they exit as if told to stop.
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
