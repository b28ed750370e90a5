import { render } from 'preact';
import { App } from './app';
import './style.css';

render(<App />, document.getElementById('app')!);

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  // The app shell (index.html and the hashed assets) comes from the service
  // worker's cache when the network does not answer.
  navigator.serviceWorker.register('/sw.js').catch(() => undefined);
}
