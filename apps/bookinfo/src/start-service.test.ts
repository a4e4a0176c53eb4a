import { describe, expect, it } from 'vitest';
import { BookinfoConfigError, BookinfoListenError } from './errors.js';
import { startService } from './start-service.js';
import type { ServiceName } from './service-options.js';

describe('startService', () => {
  it('listens on an ephemeral port and reports its real URL', async () => {
    const service = await startService('details', { port: 0 });
    try {
      expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(service.port).toBeGreaterThan(0);
      const response = await fetch(`${service.url}/health`);
      expect(response.status).toBe(200);
    } finally {
      await service.close();
    }
    await expect(fetch(`${service.url}/health`)).rejects.toThrow();
  });

  it('close() is idempotent', async () => {
    const service = await startService('ratings', { port: 0 });
    await Promise.all([service.close(), service.close()]);
  });

  it('rejects with BookinfoListenError when the port is taken', async () => {
    const first = await startService('ratings', { port: 0 });
    try {
      const second = startService('details', { port: first.port });
      await expect(second).rejects.toBeInstanceOf(BookinfoListenError);
      await expect(second).rejects.toMatchObject({ code: 'MESHKIT_BOOKINFO_LISTEN', cause: { code: 'EADDRINUSE' } });
    } finally {
      await first.close();
    }
  });

  it('rejects invalid options with BookinfoConfigError', async () => {
    await expect(startService('frontend' as ServiceName, { port: 0 })).rejects.toBeInstanceOf(BookinfoConfigError);
    await expect(startService('reviews', { port: 0, outbound: 'not a url' })).rejects.toBeInstanceOf(BookinfoConfigError);
    await expect(startService('ratings', { port: 70_000 })).rejects.toBeInstanceOf(BookinfoConfigError);
    await expect(startService('productpage', { port: 0, timeouts: { detailsMs: 0 } })).rejects.toBeInstanceOf(BookinfoConfigError);
  });
});
