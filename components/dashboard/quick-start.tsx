import { headers } from "next/headers";

/** First-request snippets with this deployment's own base URL. */
export async function QuickStart() {
  const h = await headers();
  const proto = h.get("x-forwarded-proto") ?? "http";
  const base = `${proto}://${h.get("host") ?? "localhost:3000"}/v1`;
  return (
    <div data-testid="quick-start">
      <p className="muted">With curl:</p>
      <pre>{`curl ${base}/chat/completions \\
  -H "Authorization: Bearer $METERED_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "local/chat-sim", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 64}'`}</pre>
      <p className="muted">With the official OpenAI SDK (Node):</p>
      <pre>{`import OpenAI from "openai";

const client = new OpenAI({ apiKey: process.env.METERED_API_KEY, baseURL: "${base}" });
const reply = await client.chat.completions.create({
  model: "local/chat-sim",
  messages: [{ role: "user", content: "Hello" }],
  max_tokens: 64,
});
console.log(reply.choices[0].message.content, reply.usage);`}</pre>
    </div>
  );
}
