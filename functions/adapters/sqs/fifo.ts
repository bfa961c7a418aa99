/** FIFO queues are named `*.fifo`; their sends need a group and a deduplication id. */
export const isFifoQueue = (urlOrArn: string): boolean => urlOrArn.endsWith('.fifo');
