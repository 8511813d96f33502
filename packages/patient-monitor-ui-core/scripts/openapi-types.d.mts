export const packageDir: string;
export const repoRoot: string;
export const defaultContract: string;
export const generatedFile: string;
export const regenerateCommand: string;
export function generateTypes(contractPath?: string): Promise<string>;
