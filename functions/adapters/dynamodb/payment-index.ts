import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PaymentIndex, PaymentListPage, PaymentListQuery } from '#ports/payment-index.ts';
import { walletPk } from './table-layout/keys.ts';
import { fromPaymentItem, paymentSkPrefix } from './table-layout/payment-item.ts';

/**
 * A wallet's payment listing in the single table (table-layout/payment-item.ts): one Query of the
 * wallet's partition, backwards from the page's start, `limit` + 1 items (the extra one says
 * whether a next page exists). Bounded by the page, never by the wallet's log.
 */
export class DynamoPaymentIndex implements PaymentIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async listPayments(query: PaymentListQuery): Promise<PaymentListPage> {
    const pk = walletPk(query.walletId);
    const prefix = paymentSkPrefix(query.purpose);
    // `after` came from this adapter (the sk of a page's last item); anything else starts over.
    const after = query.after?.startsWith(prefix) ? query.after : undefined;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: query.limit + 1,
        ...(after === undefined ? {} : { ExclusiveStartKey: { pk, sk: after } }),
      }),
    );
    const items = (result.Items ?? []).map(fromPaymentItem);
    const page = items.slice(0, query.limit);
    const last = page.at(-1);
    return {
      payments: page.map(({ sk: _sk, ...listing }) => listing),
      ...(items.length > query.limit && last !== undefined ? { next: last.sk } : {}),
    };
  }
}
