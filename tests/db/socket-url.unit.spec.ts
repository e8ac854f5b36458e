import { describe, expect, it } from 'vitest';
import { socketOptionsOf, withDatabase } from '@/db/client';

describe('A database URL', () => {
  describe('When it has no host parameter', () => {
    it('should be passed to the driver as it is', () => {
      const url = 'postgres://app:secret@db.example.com:6543/orders?sslmode=require';
      expect(socketOptionsOf(url)).toEqual({ url });
    });
  });

  describe('When its host parameter is a directory (libpq: a Unix socket)', () => {
    it("should connect to that directory's socket for the URL's port, and not send the parameter to the server", () => {
      expect(socketOptionsOf('postgres://postgres:pw@127.0.0.1:43267/postgres?host=/tmp&application_name=x')).toEqual({
        url: 'postgres://postgres:pw@127.0.0.1:43267/postgres?application_name=x',
        path: '/tmp/.s.PGSQL.43267',
      });
    });

    it('should take the default port, 5432, when the URL names none, and a trailing slash or an encoded one', () => {
      expect(socketOptionsOf('postgresql://postgres@localhost/test?host=/var/run/postgresql/').path).toBe('/var/run/postgresql/.s.PGSQL.5432');
      expect(socketOptionsOf('postgresql://postgres@localhost/test?host=%2Fvar%2Frun%2Fpostgresql').path).toBe(
        '/var/run/postgresql/.s.PGSQL.5432',
      );
    });
  });

  describe('When its host parameter is a host name', () => {
    it('should connect to that host over TCP', () => {
      expect(socketOptionsOf('postgres://app@localhost:5433/orders?host=db.internal')).toEqual({
        url: 'postgres://app@localhost:5433/orders',
        host: 'db.internal',
      });
    });
  });

  describe('When another database of the same server is named', () => {
    it('should keep the credentials, port and socket and change only the database', () => {
      expect(withDatabase('postgres://postgres:p%40ss@127.0.0.1:43267/postgres?host=/tmp', 'orderflow_test_1')).toBe(
        'postgres://postgres:p%40ss@127.0.0.1:43267/orderflow_test_1?host=/tmp',
      );
      expect(withDatabase('postgres://app@db.example.com/orders', 'other')).toBe('postgres://app@db.example.com/other');
    });
  });
});
