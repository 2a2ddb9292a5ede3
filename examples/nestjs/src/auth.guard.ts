import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common'

/**
 * A global guard as most apps have one. It never sees Inkless's requests: the webhook route is
 * mounted ahead of Nest's router, so guards, interceptors and exception filters do not apply.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  canActivate(context: ExecutionContext) {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>()
    return req.headers.authorization === `Bearer ${process.env.API_TOKEN ?? 'dev-token'}`
  }
}
