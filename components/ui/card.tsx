import { cn } from "@/lib/ui/cn";

export function Card({ className, ...props }: React.ComponentProps<"div">) {
  return <div data-slot="card" className={cn("rounded-lg border bg-card p-4 text-card-foreground", className)} {...props} />;
}

export function CardTitle({ className, ...props }: React.ComponentProps<"h2">) {
  return <h2 data-slot="card-title" className={cn("mt-0 mb-2 text-base font-semibold", className)} {...props} />;
}
