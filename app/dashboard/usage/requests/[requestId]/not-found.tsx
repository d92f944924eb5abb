import Link from "next/link";

export default function RequestNotFound() {
  return (
    <div className="rounded-lg border bg-card p-4 text-card-foreground" data-testid="request-not-found">
      <h1>Request not found</h1>
      <p className="text-muted-foreground">There is no request with this id in your account.</p>
      <p>
        <Link href="/dashboard/usage">Back to usage</Link>
      </p>
    </div>
  );
}
