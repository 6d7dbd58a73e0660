// The desktop app's main process: the example of Recall's Desktop SDK document, as it is written
// there. Only the api_url (a recall-sim region) and the backend's URL (backend-client.js) are this
// app's own; the document's example leaves the window id out of its two calls, which take it from the
// event as its other listeners do.
const RecallAiSdk = require('@recallai/desktop-sdk');
const Backend = require('./backend-client');

const RecallSdk = RecallAiSdk; // the document's example calls the SDK by both names
const AppState = { client_token: 'seed-app-user' };

RecallAiSdk.init({
  api_url: process.env.RECALL_API_URL || 'http://127.0.0.1:8080',
});

RecallSdk.addEventListener('meeting-detected', async (evt) => {
  const res = await Backend.fetch(`/api/create_sdk_recording`, AppState.client_token);
  const payload = await res.json();
  await RecallSdk.startRecording({
    windowId: evt.window.id,
    uploadToken: res.upload_token
  });
});

RecallSdk.addEventListener('sdk-state-change', async (evt) => {
  switch (evt.sdk.state.code) {
    case 'recording':
      console.log("SDK is recording");
    case 'idle':
      console.log("SDK is idle");
  }
});

RecallAiSdk.addEventListener('recording-ended', async (evt) => {
  RecallAiSdk.uploadRecording({ windowId: evt.window.id });
});

RecallAiSdk.addEventListener('upload-progress', async (evt) => {
  console.log(`Uploaded ${evt.progress}%`);
});
