import { render } from 'preact';
import { App } from './app.tsx';
import { loadConfig } from './config.ts';
import { startSession } from './session.ts';
import './styles.css';

const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app');
loadConfig().then(
  (config) => {
    startSession(config);
    render(<App />, root);
  },
  (error: unknown) => {
    root.textContent = `The console could not load its configuration: ${String(error)}`;
  },
);
