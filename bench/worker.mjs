// bench/web-routes.mjs as a Workers module for bench/http.mjs: env.ROUTE picks the route,
// and GET answers how many deliveries the handler has seen, so the bench can check that
// every 200 ran it.
import { adapterRoute, handWrittenRoute } from './web-routes.mjs'

let route
let handled = 0
export default {
  fetch(request, env) {
    if (request.method === 'GET') return new Response(String(handled))
    route ??= (env.ROUTE === 'adapter' ? adapterRoute : handWrittenRoute)(env.SECRET, () => {
      handled++
    })
    return route(request)
  },
}
