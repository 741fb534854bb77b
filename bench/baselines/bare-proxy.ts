import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { answerQuestions } from '../ipc.js';
import { BENCH_CREDENTIALS, type UpstreamUrls } from '../setup.js';

/**
 * Baseline 1: the least a service can do for a read, a bare `node:http` proxy. `GET /webex/{id}` and
 * `GET /cloudcockpit/{id}` make the same upstream GET, with the same headers, as the project's `wholesaleCustomer(id)`
 * and `customer(id)`, and pass the answer on untouched.
 */

const upstreams = JSON.parse(process.env.BENCH_UPSTREAMS ?? '{}') as UpstreamUrls;
const tenant = process.env.BENCH_TENANT ?? '';
// Kept-alive sockets, as the project's upstream fetch keeps them.
const agent = new http.Agent({ keepAlive: true });

function upstreamRequest(provider: string, id: string): { url: string; headers: http.OutgoingHttpHeaders } | null {
  const encoded = encodeURIComponent(id);
  if (provider === 'webex') {
    return {
      url: `${upstreams.webex}/v1/wholesale/customers/${encoded}`,
      headers: { authorization: `Bearer ${BENCH_CREDENTIALS.webex.token}`, trackingid: randomUUID() },
    };
  }
  if (provider === 'cloudcockpit') {
    return {
      url: `${upstreams.cloudCockpit}/v1/Customers/${encoded}`,
      headers: {
        authorization: `Bearer ${BENCH_CREDENTIALS.cloudCockpit.token}`,
        'x-tenant': tenant,
        'x-correlation-id': randomUUID(),
        accept: 'application/json',
      },
    };
  }
  return null;
}

const server = http.createServer((req, res) => {
  const [, provider = '', id = ''] = /^\/([a-z]+)\/([^/?]+)$/.exec(req.url ?? '') ?? [];
  const upstream = upstreamRequest(provider, decodeURIComponent(id));
  req.resume();
  if (!upstream) {
    res.writeHead(404).end();
    return;
  }
  const call = http.request(upstream.url, { method: 'GET', headers: upstream.headers, agent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
    answer.pipe(res);
  });
  call.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  call.end();
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  answerQuestions({}, { url: `http://127.0.0.1:${port}` });
});
