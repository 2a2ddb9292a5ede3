import type { PgBoss } from 'pg-boss'

/** The queue the receivers add to and the workers take from, unless told otherwise. */
export const DEFAULT_QUEUE = 'inkless'

/** Where a job goes once its last run failed, or when a worker refuses it. */
export const deadLetterQueueOf = (queueName: string): string => `${queueName}.dead-letter`

/**
 * Creates the queue and its dead-letter queue if they do not exist (pg-boss needs a queue
 * before its first job; creating an existing one changes nothing). Both ends call it, so
 * neither has to start first.
 */
export async function createQueues(boss: PgBoss, queueName: string): Promise<void> {
  const deadLetter = deadLetterQueueOf(queueName)
  await boss.createQueue(deadLetter)
  await boss.createQueue(queueName, { deadLetter })
}
