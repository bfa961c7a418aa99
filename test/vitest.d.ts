/** Values that the global setups provide to the tests (`inject(...)`). */
declare module 'vitest' {
  export interface ProvidedContext {
    /** A DynamoDB Local endpoint shared by all test files; each file uses its own table (test/global-setup.ts). */
    dynamodbEndpoint: string;
    /** Where the unit project's bundling tests share the function bundles (test/support/bundle-cache-setup.ts). */
    bundleCacheDir?: string;
    /** The cdk project's stub project root (test/cdk/project-root-setup.ts). */
    cdkProjectRoot: string;
  }
}

export {};
