export function workerCount(value: string | undefined, cores: number): number;
