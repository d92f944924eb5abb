import { cn } from "@/lib/ui/cn";

const VARIANTS = {
  default: "text-muted-foreground",
  success: "border-success text-success",
  warning: "border-warning text-warning",
  destructive: "border-destructive text-destructive",
} as const;

export function Badge({ variant = "default", className, ...props }: React.ComponentProps<"span"> & { variant?: keyof typeof VARIANTS }) {
  return (
    <span data-slot="badge" className={cn("inline-block rounded-full border px-2 py-0.5 text-xs whitespace-nowrap", VARIANTS[variant], className)} {...props} />
  );
}
