export declare const BUILD_SOURCES: string[];
export declare function newestSourceMtime(root: string, sources?: string[]): number;
