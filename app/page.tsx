import Link from "next/link";

export default function Home() {
  return (
    <main className="container">
      <h1>Metered</h1>
      <p>
        An OpenAI-compatible model API, billed per request in dollars against prepaid credit. New accounts get
        $10.00 of free credit, no card needed.
      </p>
      <p>
        <Link className="button" href="/signup">Create an account</Link>{" "}
        <Link href="/login">Sign in</Link> · <Link href="/docs">Docs</Link> · <Link href="/pricing">Pricing</Link>
      </p>
    </main>
  );
}
