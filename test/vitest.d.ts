/** Values that test/global-setup.ts provides to the integration and e2e tests (`inject(...)`). */
declare module 'vitest' {
  export interface ProvidedContext {
    /** A DynamoDB Local endpoint shared by all test files; each file uses its own table. */
    dynamodbEndpoint: string;
  }
}

export {};
