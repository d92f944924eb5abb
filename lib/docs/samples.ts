// Request samples in curl, Node and Python (the official `openai` packages) for every /v1
// endpoint, from one description of the request (an ApiCall). The API reference pages and
// the dashboard playground both render these, so what the docs show and what the
// playground sends are the same request. Plain data in, strings out: no server imports, so
// the playground (a client component) uses this module as is.
//
// Executed: e2e/samples.spec.ts runs every curl and Node sample shown on the site against
// the built app; lib/docs/samples.test.ts compiles every Python sample with py_compile.

/** How a sample is checked: "shell" run with bash, "node" run as an ES module, "python" compiled. */
export type SampleRunner = "shell" | "node" | "python";

export type CodeSample = { id: string; title: string; lang: "bash" | "js" | "python"; run: SampleRunner; code: string };

type Message = { role: "system" | "user" | "assistant"; content: string };

/** One request to /v1, as the docs and the playground describe it. */
export type ApiCall =
  | { kind: "chat"; model: string; messages: Message[]; max_tokens?: number; stream?: boolean }
  | { kind: "completion"; model: string; prompt: string; max_tokens?: number; stream?: boolean }
  | { kind: "response"; model: string; input: string; max_output_tokens?: number; stream?: boolean }
  | { kind: "embedding"; model: string; input: string }
  | { kind: "image"; model: string; prompt: string; size?: string; n?: number }
  | { kind: "speech"; model: string; input: string; voice: string; response_format?: "mp3" | "wav" | "flac" | "pcm" }
  /** `file`: the audio file's name in the working directory (the speech sample writes speech.mp3). */
  | { kind: "transcription"; model: string; file: string }
  | { kind: "video"; model: string; prompt: string; seconds: "4" | "8" | "12"; size: string }
  | { kind: "models" }
  | { kind: "credits" };

export type ApiCallKind = ApiCall["kind"];

/** The path and JSON body the call sends (transcriptions are multipart: body is null). */
export function requestOf(call: ApiCall): { method: "GET" | "POST"; path: string; body: Record<string, unknown> | null } {
  switch (call.kind) {
    case "chat": {
      const { kind: _k, ...rest } = call;
      return { method: "POST", path: "/v1/chat/completions", body: call.stream ? { ...rest, stream_options: { include_usage: true } } : rest };
    }
    case "completion": {
      const { kind: _k, ...rest } = call;
      return { method: "POST", path: "/v1/completions", body: call.stream ? { ...rest, stream_options: { include_usage: true } } : rest };
    }
    case "response": {
      const { kind: _k, ...rest } = call;
      return { method: "POST", path: "/v1/responses", body: rest };
    }
    case "embedding":
      return { method: "POST", path: "/v1/embeddings", body: { model: call.model, input: call.input } };
    case "image": {
      const { kind: _k, ...rest } = call;
      return { method: "POST", path: "/v1/images/generations", body: { ...rest, response_format: "b64_json" } };
    }
    case "speech": {
      const { kind: _k, ...rest } = call;
      return { method: "POST", path: "/v1/audio/speech", body: rest };
    }
    case "transcription":
      return { method: "POST", path: "/v1/audio/transcriptions", body: null };
    case "video": {
      const { kind: _k, ...rest } = call;
      return { method: "POST", path: "/v1/videos", body: rest };
    }
    case "models":
      return { method: "GET", path: "/v1/models", body: null };
    case "credits":
      return { method: "GET", path: "/v1/credits", body: null };
  }
}

const speechFile = (call: Extract<ApiCall, { kind: "speech" }>) => `speech.${call.response_format ?? "mp3"}`;

// ---- curl ------------------------------------------------------------------------------

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function curlSample(origin: string, call: ApiCall): string {
  const { method, path, body } = requestOf(call);
  const auth = `  -H "Authorization: Bearer $METERED_API_KEY"`;
  if (call.kind === "transcription") {
    return [`curl ${origin}${path} \\`, `${auth} \\`, `  -F file=@${call.file} \\`, `  -F model=${call.model}`].join("\n");
  }
  if (method === "GET") return `curl ${origin}${path} \\\n${auth}`;
  // -N: print a stream's events as they arrive.
  const streamed = (call.kind === "chat" || call.kind === "completion" || call.kind === "response") && call.stream;
  const lines = [`curl ${streamed ? "-N " : ""}${origin}${path} \\`, `${auth} \\`];
  lines.push(`  -H "Content-Type: application/json" \\`);
  if (call.kind === "speech") {
    lines.push(`  -d ${shellQuote(JSON.stringify(body))} \\`, `  --fail-with-body --output ${speechFile(call)} \\`);
    // The audio is the body; the cost is in the x-cost-micro-usd header. Print the file's size as JSON.
    lines.push(`  --write-out '{"bytes": %{size_download}, "content_type": "%{content_type}"}\\n'`);
    return lines.join("\n");
  }
  lines.push(`  -d ${shellQuote(JSON.stringify(body))}`);
  return lines.join("\n");
}

// ---- Node (openai) ----------------------------------------------------------------------

/** A JavaScript object literal, keys unquoted where they can be (as people write them). */
function js(v: unknown, indent = ""): string {
  if (Array.isArray(v)) return `[${v.map((x) => js(x, indent)).join(", ")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    const inner = indent + "  ";
    const parts = entries.map(([k, x]) => `${inner}${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${js(x, inner)},`);
    if (indent && entries.every(([, x]) => typeof x !== "object")) {
      return `{ ${entries.map(([k, x]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${js(x, inner)}`).join(", ")} }`;
    }
    return `{\n${parts.join("\n")}\n${indent}}`;
  }
  return JSON.stringify(v);
}

const NODE_CLIENT = (origin: string) => `const client = new OpenAI({ apiKey: process.env.METERED_API_KEY, baseURL: "${origin}/v1" });`;

export function nodeSample(origin: string, call: ApiCall): string {
  const head = [`import OpenAI from "openai";`];
  const body = requestOf(call).body;
  const lines: string[] = [];
  switch (call.kind) {
    case "chat":
      if (call.stream) {
        lines.push(
          `const stream = await client.chat.completions.create(${js(body)});`,
          `for await (const chunk of stream) {`,
          `  process.stdout.write(chunk.choices[0]?.delta?.content ?? "");`,
          `  if (chunk.usage) console.log("\\n", chunk.usage); // the last chunk: tokens and cost_micro_usd`,
          `}`,
        );
      } else {
        lines.push(
          `const reply = await client.chat.completions.create(${js(body)});`,
          `console.log(reply.choices[0].message.content);`,
          `console.log(reply.usage); // includes cost (USD) and cost_micro_usd`,
        );
      }
      break;
    case "completion":
      lines.push(
        `const completion = await client.completions.create(${js(body)});`,
        `console.log(completion.choices[0].text);`,
        `console.log(completion.usage);`,
      );
      break;
    case "response":
      if (call.stream) {
        lines.push(
          `const stream = await client.responses.create(${js(body)});`,
          `for await (const event of stream) {`,
          `  if (event.type === "response.output_text.delta") process.stdout.write(event.delta);`,
          `  if (event.type === "response.completed") console.log("\\n", event.response.usage);`,
          `}`,
        );
      } else {
        lines.push(`const response = await client.responses.create(${js(body)});`, `console.log(response.output_text);`, `console.log(response.usage);`);
      }
      break;
    case "embedding":
      lines.push(
        `const result = await client.embeddings.create(${js(body)});`,
        `console.log(result.data[0].embedding.length, "dimensions");`,
        `console.log(result.usage);`,
      );
      break;
    case "image":
      head.push(`import fs from "node:fs";`);
      lines.push(
        `const result = await client.images.generate(${js(body)});`,
        `fs.writeFileSync("image.png", Buffer.from(result.data[0].b64_json, "base64"));`,
        `console.log("image.png written", result.usage);`,
      );
      break;
    case "speech":
      head.push(`import fs from "node:fs";`);
      lines.push(
        `const { data: audio, response } = await client.audio.speech.create(${js(body)}).withResponse();`,
        `fs.writeFileSync("${speechFile(call)}", Buffer.from(await audio.arrayBuffer()));`,
        `console.log("${speechFile(call)} written, cost (micro-USD):", response.headers.get("x-cost-micro-usd"));`,
      );
      break;
    case "transcription":
      head.push(`import fs from "node:fs";`);
      lines.push(
        `const transcription = await client.audio.transcriptions.create({`,
        `  model: "${call.model}",`,
        `  file: fs.createReadStream("${call.file}"),`,
        `});`,
        `console.log(transcription.text);`,
      );
      break;
    case "video":
      head.push(`import fs from "node:fs";`);
      lines.push(
        `let video = await client.videos.create(${js(body)});`,
        `while (video.status === "queued" || video.status === "in_progress") {`,
        `  await new Promise((r) => setTimeout(r, 2000));`,
        `  video = await client.videos.retrieve(video.id);`,
        `}`,
        `if (video.status !== "completed") throw new Error(video.error?.message ?? video.status);`,
        `const content = await client.videos.downloadContent(video.id);`,
        `fs.writeFileSync("video.mp4", Buffer.from(await content.arrayBuffer()));`,
        `console.log("video.mp4 written", video.usage);`,
      );
      break;
    case "models":
      lines.push(`for await (const model of client.models.list()) console.log(model.id);`);
      break;
    case "credits":
      // Not an OpenAI endpoint: the SDK's generic get() sends it with the same key and base URL.
      lines.push(`const credits = await client.get("/credits");`, `console.log(credits);`);
      break;
  }
  return [...head, ``, NODE_CLIENT(origin), ...lines].join("\n");
}

// ---- Python (openai) --------------------------------------------------------------------

/** A Python literal for a JSON value. */
function py(v: unknown, indent = ""): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => py(x, indent)).join(", ")}]`;
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}: ${py(x, indent)}`).join(", ")}}`;
}

/** Keyword arguments for an SDK call, one per line. */
function kwargs(body: Record<string, unknown> | null): string {
  if (!body) return "";
  const entries = Object.entries(body).filter(([, x]) => x !== undefined);
  return `\n${entries.map(([k, x]) => `    ${k}=${py(x)},`).join("\n")}\n`;
}

export function pythonSample(origin: string, call: ApiCall): string {
  const head = [`import os`];
  const body = requestOf(call).body;
  const lines: string[] = [];
  switch (call.kind) {
    case "chat":
      if (call.stream) {
        lines.push(
          `stream = client.chat.completions.create(${kwargs(body)})`,
          `for chunk in stream:`,
          `    if chunk.choices:`,
          `        print(chunk.choices[0].delta.content or "", end="", flush=True)`,
          `    if chunk.usage:`,
          `        print()`,
          `        print(chunk.usage)  # the last chunk: tokens and cost_micro_usd`,
        );
      } else {
        lines.push(
          `reply = client.chat.completions.create(${kwargs(body)})`,
          `print(reply.choices[0].message.content)`,
          `print(reply.usage)  # includes cost (USD) and cost_micro_usd`,
        );
      }
      break;
    case "completion":
      lines.push(`completion = client.completions.create(${kwargs(body)})`, `print(completion.choices[0].text)`, `print(completion.usage)`);
      break;
    case "response":
      if (call.stream) {
        lines.push(
          `stream = client.responses.create(${kwargs(body)})`,
          `for event in stream:`,
          `    if event.type == "response.output_text.delta":`,
          `        print(event.delta, end="", flush=True)`,
          `    elif event.type == "response.completed":`,
          `        print()`,
          `        print(event.response.usage)`,
        );
      } else {
        lines.push(`response = client.responses.create(${kwargs(body)})`, `print(response.output_text)`, `print(response.usage)`);
      }
      break;
    case "embedding":
      lines.push(`result = client.embeddings.create(${kwargs(body)})`, `print(len(result.data[0].embedding), "dimensions")`, `print(result.usage)`);
      break;
    case "image":
      head.push(`import base64`);
      lines.push(
        `result = client.images.generate(${kwargs(body)})`,
        `with open("image.png", "wb") as f:`,
        `    f.write(base64.b64decode(result.data[0].b64_json))`,
        `print("image.png written", result.usage)`,
      );
      break;
    case "speech":
      lines.push(
        `response = client.audio.speech.with_raw_response.create(${kwargs(body)})`,
        `with open("${speechFile(call)}", "wb") as f:`,
        `    f.write(response.content)`,
        `print("${speechFile(call)} written, cost (micro-USD):", response.headers.get("x-cost-micro-usd"))`,
      );
      break;
    case "transcription":
      lines.push(
        `with open("${call.file}", "rb") as audio:`,
        `    transcription = client.audio.transcriptions.create(model=${py(call.model)}, file=audio)`,
        `print(transcription.text)`,
      );
      break;
    case "video":
      head.push(`import time`);
      lines.push(
        `video = client.videos.create(${kwargs(body)})`,
        `while video.status in ("queued", "in_progress"):`,
        `    time.sleep(2)`,
        `    video = client.videos.retrieve(video.id)`,
        `if video.status != "completed":`,
        `    raise RuntimeError(video.error.message if video.error else video.status)`,
        `content = client.videos.download_content(video.id)`,
        `content.write_to_file("video.mp4")`,
        `print("video.mp4 written")`,
      );
      break;
    case "models":
      lines.push(`for model in client.models.list():`, `    print(model.id)`);
      break;
    case "credits":
      // Not an OpenAI endpoint: the SDK's generic get() sends it with the same key and base URL.
      head.push(`import httpx`);
      lines.push(`credits = client.get("/credits", cast_to=httpx.Response).json()`, `print(credits)`);
      break;
  }
  return [...head, `from openai import OpenAI`, ``, `client = OpenAI(api_key=os.environ["METERED_API_KEY"], base_url="${origin}/v1")`, ...lines].join("\n");
}

/** The three samples for one call, ids prefixed with `id`. */
export function samplesFor(origin: string, call: ApiCall, id: string): CodeSample[] {
  return [
    { id: `${id}-curl`, title: "curl", lang: "bash", run: "shell", code: curlSample(origin, call) },
    { id: `${id}-node`, title: "Node (openai)", lang: "js", run: "node", code: nodeSample(origin, call) },
    { id: `${id}-python`, title: "Python (openai)", lang: "python", run: "python", code: pythonSample(origin, call) },
  ];
}
