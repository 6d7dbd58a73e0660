// How the desktop app talks to its backend (`Backend.fetch` in the seed document's example). The
// example reads the upload token both from the parsed body and from the answer itself, so the answer
// carries the body's fields too.
const backendUrl = process.env.BACKEND_URL || 'http://127.0.0.1:3000';

async function backendFetch(path, clientToken) {
  const res = await fetch(`${backendUrl}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${clientToken}` },
  });
  const body = await res.json();
  return { ...body, status: res.status, json: async () => body };
}

module.exports = { fetch: backendFetch };
