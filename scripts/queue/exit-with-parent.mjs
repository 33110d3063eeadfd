// Preloaded into each training child (node --import): when the worker that forked it dies
// (kill -9, lost machine) the IPC channel closes and the child stops too, so a retried job never
// races an orphan writing the same run folder. The channel is unref'd so a finished run exits.
process.channel?.unref();
process.on('disconnect', () => process.exit(137));
