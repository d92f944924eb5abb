import Link from "next/link";
import { QuickStart } from "@/components/dashboard/quick-start";

export const metadata = { title: "Docs · Metered" };

export default function DocsIndex() {
  return (
    <main className="container">
      <h1>Docs</h1>
      <p>
        Metered serves an OpenAI-compatible API under <code>/v1</code>. Point any OpenAI SDK at it by changing the base
        URL and using a key from <Link href="/dashboard/keys">your dashboard</Link>. Every request is billed in dollars
        against your prepaid credit; see <Link href="/pricing">pricing</Link>.
      </p>
      <h2>Quick start</h2>
      <QuickStart />
    </main>
  );
}
