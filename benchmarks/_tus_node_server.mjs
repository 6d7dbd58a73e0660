// The reference tus server for the ingest benchmark: tus's own Node implementation (@tus/server with
// @tus/file-store), serving the path our ingest uses, so the same client uploads the same file to both.
// Usage: node _tus_node_server.mjs PORT DIRECTORY   (copied next to its node_modules to run)
import { Server } from "@tus/server";
import { FileStore } from "@tus/file-store";

const [port, directory] = process.argv.slice(2);
const server = new Server({
  path: "/ingest/v1/files",
  relativeLocation: true,
  datastore: new FileStore({ directory }),
});
server.listen({ host: "127.0.0.1", port: Number(port) });
process.on("SIGINT", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
