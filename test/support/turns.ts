/**
 * `count` turns of the event loop (setImmediate each). A wait counted in turns, not milliseconds:
 * what takes a turn or two in the code under test (a store call of the in-memory stores that yield
 * one, a group-commit queue's nextTurn) has run after them however slow or loaded the machine is,
 * where a sleep of a few ms can end first when the process is descheduled (stop 20's CI hang).
 */
export const turns = async (count: number): Promise<void> => {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
};
