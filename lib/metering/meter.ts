// Reserve, then settle (docs/architecture.md, "The money path"), one job per file:
//   open-meter.ts       openMeter(): every check that can refuse a request before any model
//                       work (max_cost, the key's spend limit, spendable credit), and the hold;
//   settle.ts           the Meter it returns: settles exactly once, to the actual cost;
//   pending-settles.ts  settles decided but not yet committed, for readers of their own writes.
// This module gathers them for the code that imports the metering as one.

export { afterSettleIdle } from "./after-settle";
export { openMeter, type OpenMeterInput } from "./open-meter";
export { settleCommitOf, settlesCommitted } from "./pending-settles";
export { Meter, type SettleInput, type SettleOutcome } from "./settle";
