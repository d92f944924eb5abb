export * from "./filters";
export * from "./queries";
export * from "./csv";
export * from "./breakdown";
