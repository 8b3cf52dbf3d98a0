import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { BrowserWindow } from './windows';
import { mustBeReady, record, rule } from './recorder';

/**
 * FAKE electron, part 5: the desktop surface: Menu, Tray, nativeImage, Notification, shell, screen.
 * Nothing is drawn; the test reads what would be (menu items, tray icon file, notification text)
 * and clicks like a user: only enabled items, the way Electron calls `click(menuItem, window, event)`.
 */

export interface MenuItemOptions {
  label?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  role?: string;
  enabled?: boolean;
  checked?: boolean;
  visible?: boolean;
  submenu?: MenuItemOptions[] | Menu;
  click?: (item: MenuItem, window: BrowserWindow | undefined, event: object) => void;
}

export class MenuItem {
  readonly label: string;
  readonly type: string;
  readonly role: string | undefined;
  readonly enabled: boolean;
  checked: boolean;
  readonly visible: boolean;
  readonly submenu: Menu | undefined;
  readonly click: MenuItemOptions['click'];

  constructor(options: MenuItemOptions) {
    rule(
      options.label !== undefined || options.role !== undefined || options.type !== undefined,
      'Invalid template for MenuItem: must have at least one of label, role or type',
    );
    const submenu = options.submenu;
    this.submenu = submenu instanceof Menu ? submenu : submenu ? Menu.buildFromTemplate(submenu) : undefined;
    this.type = options.type ?? (this.submenu ? 'submenu' : 'normal');
    rule(this.type !== 'submenu' || this.submenu !== undefined, 'Invalid submenu');
    this.label = options.label ?? '';
    this.role = options.role;
    this.enabled = options.enabled ?? true;
    this.checked = options.checked ?? false;
    this.visible = options.visible ?? true;
    this.click = options.click;
  }
}

/** A menu as plain data, for assertions. */
export interface MenuView {
  label: string;
  type: string;
  role?: string;
  enabled: boolean;
  checked?: boolean;
  submenu?: MenuView[];
}

export class Menu {
  static applicationMenu: Menu | null = null;
  readonly items: MenuItem[] = [];

  static buildFromTemplate(template: (MenuItemOptions | MenuItem)[]): Menu {
    rule(Array.isArray(template), 'Invalid template for Menu: Menu template must be an array');
    const menu = new Menu();
    for (const t of template) menu.items.push(t instanceof MenuItem ? t : new MenuItem(t));
    return menu;
  }

  static setApplicationMenu(menu: Menu | null): void {
    record('Menu.setApplicationMenu');
    Menu.applicationMenu = menu;
  }

  static getApplicationMenu = () => Menu.applicationMenu;

  view(): MenuView[] {
    return this.items.map((i) => ({
      label: i.label,
      type: i.type,
      ...(i.role ? { role: i.role } : {}),
      enabled: i.enabled,
      ...(i.type === 'radio' || i.type === 'checkbox' ? { checked: i.checked } : {}),
      ...(i.submenu ? { submenu: i.submenu.view() } : {}),
    }));
  }

  /** A user clicking the item at `path` (labels from the top); disabled items cannot be clicked. */
  clickPath(path: (string | RegExp)[]): void {
    const [head, ...rest] = path;
    const item = this.items.find((i) => (typeof head === 'string' ? i.label === head : head?.test(i.label)));
    rule(item !== undefined, `no menu item ${String(head)} in [${this.items.map((i) => i.label).join(' | ')}]`);
    const found = item as MenuItem;
    if (rest.length > 0) {
      rule(found.submenu !== undefined, `${found.label} has no submenu`);
      return found.submenu?.clickPath(rest);
    }
    rule(found.enabled, `menu item "${found.label}" is disabled: a user cannot click it`);
    if (found.type === 'radio') {
      for (const sibling of this.items) if (sibling.type === 'radio') sibling.checked = sibling === found;
    }
    found.click?.(found, BrowserWindow.getFocusedWindow(), {});
  }
}

export interface FakeNativeImage {
  readonly path: string;
  isEmpty(): boolean;
}

export const nativeImage = {
  /** Electron returns an empty image (not an error) for a missing or unreadable file. */
  createFromPath(path: string): FakeNativeImage {
    let empty = true;
    try {
      empty = !readFileSync(path)
        .subarray(0, 8)
        .equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    } catch {
      empty = true;
    }
    return { path, isEmpty: () => empty };
  },
  createEmpty: (): FakeNativeImage => ({ path: '', isEmpty: () => true }),
};

export class Tray extends EventEmitter {
  static readonly all: Tray[] = [];
  image: FakeNativeImage;
  tooltip = '';
  menu: Menu | undefined;
  private destroyed = false;

  constructor(image: FakeNativeImage | string) {
    super();
    record('new Tray', typeof image === 'string' ? image : image.path);
    mustBeReady('Tray', 'Cannot create Tray before app is ready');
    this.image = typeof image === 'string' ? nativeImage.createFromPath(image) : image;
    Tray.all.push(this);
  }

  private alive(): void {
    rule(!this.destroyed, 'Tray is destroyed');
  }

  setImage(image: FakeNativeImage | string): void {
    this.alive();
    this.image = typeof image === 'string' ? nativeImage.createFromPath(image) : image;
  }
  setToolTip(text: string): void {
    this.alive();
    this.tooltip = text;
  }
  setContextMenu(menu: Menu | null): void {
    this.alive();
    record('tray.setContextMenu');
    this.menu = menu ?? undefined;
  }
  isDestroyed = () => this.destroyed;
  destroy(): void {
    record('tray.destroy');
    this.destroyed = true;
  }
}

export class Notification extends EventEmitter {
  /** Every notification shown, in order. */
  static readonly shown: Notification[] = [];
  static isSupported = () => true;
  readonly title: string;
  readonly body: string;
  readonly silent: boolean;

  constructor(options: { title?: string; body?: string; silent?: boolean } = {}) {
    super();
    this.title = options.title ?? '';
    this.body = options.body ?? '';
    this.silent = options.silent ?? false;
  }

  show(): void {
    record('notification.show', this.title);
    Notification.shown.push(this);
    this.emit('show');
  }
  close(): void {
    this.emit('close');
  }
}

export const shell = {
  /** Links the app hands to the system browser. */
  opened: [] as string[],
  openExternal(url: string): Promise<void> {
    record('shell.openExternal', url);
    shell.opened.push(url);
    return Promise.resolve();
  },
};

const display = {
  id: 1,
  bounds: { x: 0, y: 0, width: 1920, height: 1080 },
  workArea: { x: 0, y: 0, width: 1920, height: 1040 },
  scaleFactor: 1,
};

/** Electron exports a proxy: importing `screen` is fine, touching it before ready throws. */
export const screen = new Proxy(
  { getAllDisplays: () => [display], getPrimaryDisplay: () => display },
  {
    get(target, prop, receiver) {
      mustBeReady('screen', "The 'screen' module can't be used before the app 'ready' event");
      return Reflect.get(target, prop, receiver) as unknown;
    },
  },
);
