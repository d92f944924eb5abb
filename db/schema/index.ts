export * from "./accounts";
export * from "./api-keys";
export * from "./ledger";
export * from "./billing";
export * from "./media";
export * from "./tiers";
export * from "./usage-daily";
