import { startBillingSubgraph } from './server.js';

// `npm run example:billing`: the billing subgraph on BILLING_PORT (4001), billing the customers named in
// BILLING_CUSTOMER_IDS (comma-separated CloudCockpit ids), one account each.
const customerIds = (process.env.BILLING_CUSTOMER_IDS ?? '').split(',').filter((id) => id !== '');
const billing = await startBillingSubgraph(
  customerIds.map((customerId, i) => ({ id: `account-${i + 1}`, plan: 'monthly', balanceCents: 0, customerId })),
  { port: Number(process.env.BILLING_PORT ?? 4001), host: process.env.HOST ?? '127.0.0.1' },
);
console.log(`billing subgraph at ${billing.url}, billing ${customerIds.length} customers`);
