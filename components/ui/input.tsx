import { cn } from "@/lib/ui/cn";

export function Input({ className, ...props }: React.ComponentProps<"input">) {
  return <input data-slot="input" className={cn("w-full rounded-md border border-input bg-background px-2.5 py-2 text-foreground", className)} {...props} />;
}

export function Label({ className, ...props }: React.ComponentProps<"label">) {
  return <label data-slot="label" className={cn("mt-3 mb-1 block text-[13px] text-muted-foreground", className)} {...props} />;
}
