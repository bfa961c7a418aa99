/** What a page component gets: the path's parameters (`/wallets/:walletId` → `params.walletId`). */
export interface PageProps {
  params: Record<string, string | undefined>;
}
