export class InsufficientCreditError extends Error {
  constructor(
    readonly availableMicroUsd: bigint,
    readonly requiredMicroUsd: bigint,
  ) {
    super(`insufficient credit: ${availableMicroUsd} available, ${requiredMicroUsd} required`);
  }
}

export class AccountNotFoundError extends Error {
  constructor(readonly accountId: string) {
    super(`billing account ${accountId} not found`);
  }
}
