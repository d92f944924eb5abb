// The usage page aggregates a whole period in SQL; show the layout it will fill meanwhile.
// In the (summary) route group so it does not wrap requests/[requestId], which must be able
// to answer 404 (a loading boundary would flush a 200 before the page decides).
export default function UsageLoading() {
  const block = (h: number) => ({ height: h, borderRadius: 6, background: "var(--muted)" });
  return (
    <div data-testid="usage-loading" aria-busy="true" aria-live="polite">
      <h1>Usage</h1>
      <p className="text-muted-foreground">All times and days on this page are in UTC. Loading your usage…</p>
      <div className="rounded-lg border bg-card p-4 text-card-foreground" style={{ ...block(96), marginBottom: 16 }} />
      <div className="grid grid-cols-[repeat(auto-fit,minmax(min(220px,100%),1fr))] gap-4">
        {[0, 1, 2, 3].map((i) => (
          <div className="rounded-lg border bg-card p-4 text-card-foreground" key={i}>
            <div style={{ ...block(44) }} />
          </div>
        ))}
      </div>
      <div className="rounded-lg border bg-card p-4 text-card-foreground" style={{ marginTop: 16 }}>
        <div style={block(240)} />
      </div>
    </div>
  );
}
