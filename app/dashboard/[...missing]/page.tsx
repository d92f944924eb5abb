import { notFound } from "next/navigation";

// Unknown dashboard URLs: App Router sends unmatched paths to the root not-found page, so
// this catch-all turns them into notFound() here, inside the dashboard's layout and nav.
export default function MissingDashboardPage() {
  notFound();
}
