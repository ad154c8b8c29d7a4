/** What a view needs from the app shell: where to draw, the session, and navigation state. */
import type { Session } from './api.js';

/** Handed to each view by the router. */
export interface ViewContext {
  /** The page body the view draws into. */
  app: HTMLElement;
  /** The session the page is drawn for. */
  session: Session | undefined;
  /** Draws the top bar with the `active` entry highlighted. */
  chrome(active: string): void;
  /** False once a newer navigation started: a slow render must not overwrite it. */
  isCurrent(): boolean;
  /** Renders the current route again (after an upload or delete). */
  reload(): void;
}
