import { Slot } from "radix-ui";
import { cn } from "@/lib/ui/cn";

const BASE =
  "inline-flex shrink-0 items-center justify-center gap-2 rounded-md text-sm font-semibold whitespace-nowrap no-underline hover:no-underline cursor-pointer transition-colors disabled:pointer-events-none disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring";

const VARIANTS = {
  default: "bg-primary text-primary-foreground hover:bg-primary/90",
  outline: "border bg-transparent text-foreground hover:bg-accent",
  destructive: "border border-destructive bg-transparent text-destructive hover:bg-destructive/10",
  ghost: "bg-transparent text-foreground hover:bg-accent",
  link: "bg-transparent px-0 text-link underline underline-offset-2",
} as const;

const SIZES = {
  default: "px-3.5 py-2",
  sm: "px-2.5 py-1 text-xs",
  icon: "size-9 p-0",
} as const;

export type ButtonVariant = keyof typeof VARIANTS;
export type ButtonSize = keyof typeof SIZES;

/** The class names of a button (for a Link or a Radix trigger styled as one). */
export function buttonVariants({
  variant = "default",
  size = "default",
  className,
}: { variant?: ButtonVariant; size?: ButtonSize; className?: string } = {}): string {
  return cn(BASE, VARIANTS[variant], SIZES[size], className);
}

export function Button({
  variant,
  size,
  className,
  asChild,
  type = "button",
  ...props
}: React.ComponentProps<"button"> & { variant?: ButtonVariant; size?: ButtonSize; asChild?: boolean }) {
  const Comp = asChild ? Slot.Root : "button";
  return <Comp data-slot="button" type={asChild ? undefined : type} className={buttonVariants({ variant, size, className })} {...props} />;
}
