// Shown while the overview's queries run: the shape of the page, not a blank screen.
// It lives in the (overview) route group, as in Next.js's own dashboard example, so the
// loading boundary covers this page only: a boundary above the other dashboard pages would
// flush their response early, and notFound() there (the usage request detail) could no
// longer answer with a real 404 status.
export default function DashboardLoading() {
  const block = (h: number) => ({ height: h, borderRadius: 6, background: "var(--muted)" });
  return (
    <div data-testid="dashboard-loading" aria-busy="true" aria-live="polite">
      {/* The page's heading while it loads (axe: page-has-heading-one); the block shows its place. */}
      <h1 className="sr-only">Overview</h1>
      <div style={{ ...block(28), width: 180, marginBottom: 16 }} />
      <div className="grid grid-cols-[repeat(auto-fit,minmax(min(220px,100%),1fr))] gap-4">
        {[0, 1, 2].map((i) => (
          <div className="rounded-lg border bg-card p-4 text-card-foreground" key={i}>
            <div style={{ ...block(14), width: "40%", marginBottom: 10 }} />
            <div style={{ ...block(30), width: "60%" }} />
          </div>
        ))}
      </div>
      <div className="rounded-lg border bg-card p-4 text-card-foreground" style={{ marginTop: 16 }}>
        <div style={block(200)} />
      </div>
      <p className="text-muted-foreground">Loading…</p>
    </div>
  );
}
