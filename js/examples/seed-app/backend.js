// The partner's backend: creates a Desktop SDK Upload for the desktop app and answers with its upload
// token, and receives Recall's webhooks (their signature checked with the endpoint's secret).
//   PORT (default 3000), RECALL_API_URL, RECALL_API_KEY, RECALL_WEBHOOK_SECRET
const crypto = require('node:crypto');
const http = require('node:http');

const apiUrl = process.env.RECALL_API_URL || 'http://127.0.0.1:8080';
const apiKey = process.env.RECALL_API_KEY;
const webhookSecret = process.env.RECALL_WEBHOOK_SECRET || '';

function verified(headers, body) {
  const key = Buffer.from(webhookSecret.replace(/^whsec_/, ''), 'base64');
  const signed = `${headers['svix-id']}.${headers['svix-timestamp']}.${body}`;
  const expected = `v1,${crypto.createHmac('sha256', key).update(signed).digest('base64')}`;
  return String(headers['svix-signature'] || '').split(' ').includes(expected);
}

async function createSdkRecording() {
  const res = await fetch(`${apiUrl}/api/v1/sdk_upload/`, {
    method: 'POST',
    headers: { Authorization: `Token ${apiKey}` },
  });
  return { status: res.status, body: await res.json() };
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.method === 'POST' && req.url === '/api/create_sdk_recording') {
      const upload = await createSdkRecording();
      res.writeHead(upload.status, { 'content-type': 'application/json' }).end(JSON.stringify(upload.body));
      return;
    }
    if (req.method === 'POST' && req.url === '/webhooks') {
      if (!verified(req.headers, body)) {
        res.writeHead(401).end();
        return;
      }
      const { event, data } = JSON.parse(body);
      if (event === 'sdk_upload.completed') {
        console.log(`${event} ${data.sdk_upload.id} recording ${data.sdk_upload.recording_id}`);
      } else {
        console.log(event);
      }
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404).end();
  });
});

server.listen(Number(process.env.PORT || 3000), '127.0.0.1', () => {
  console.log(`backend on http://127.0.0.1:${server.address().port}`);
});
