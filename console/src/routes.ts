import type { ComponentType } from 'preact';
import type { PageProps } from './page-props.ts';
import { CallbackPage } from './pages/callback.tsx';
import { CardsPage } from './pages/cards/cards-page.tsx';
import { HomePage } from './pages/home.tsx';
import { JobsPage } from './pages/jobs/jobs-page.tsx';
import { RulesPage } from './pages/rules/rules-page.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { TradingPage } from './pages/trading/trading-page.tsx';
import { WalletPage } from './pages/wallet/wallet-page.tsx';

export interface ConsoleRoute {
  /** Below /console, wouter syntax: `/wallets/:walletId`. */
  path: string;
  /** The nav label and the document title. */
  title: string;
  component: ComponentType<PageProps>;
  /** Listed in the top navigation (pages reached from another page set false). @default true */
  nav?: boolean;
}

/**
 * Every page of the console, in navigation order. A new area adds its pages under
 * console/src/pages/<area>/ and a line here; the first route whose path matches is shown.
 */
export const routes: ConsoleRoute[] = [
  { path: '/', title: 'Wallets', component: HomePage },
  { path: '/wallets/:walletId', title: 'Wallet', component: WalletPage, nav: false },
  { path: '/rules', title: 'Rules', component: RulesPage },
  { path: '/jobs', title: 'Jobs', component: JobsPage },
  { path: '/trading', title: 'Trading', component: TradingPage },
  { path: '/trading/:walletId', title: 'Trading', component: TradingPage, nav: false },
  { path: '/cards', title: 'Cards', component: CardsPage },
  { path: '/cards/:accountId', title: 'Cards', component: CardsPage, nav: false },
  { path: '/sign-in', title: 'Sign in', component: SignInPage, nav: false },
  { path: '/callback', title: 'Signing in', component: CallbackPage, nav: false },
];
